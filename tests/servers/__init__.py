"""Real servers for the suites that need them: Jupyter, the generated adapter, a recording upstream.

`fixtures.py` turns them into pytest fixtures (registered for every test folder by
`tests/conftest.py`); the other modules are plain helpers a test may import (`from servers...`).
"""
