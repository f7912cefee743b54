"""Runtime modules: code that is the same in every generated package, copied there verbatim.

Each module here is a sibling of the rendered modules inside a generated package
(`src/<package>/`), so it imports only the standard library, the generated package's own
dependencies and other runtime modules (relatively). Nothing capability-specific lives here:
the rendered modules pass it in. `render.RENDER_PLAN` names which module is copied when; a user
template at a module's path (`src/package/mcp_http.py.jinja`) replaces the copy.
"""

__all__: list[str] = []
