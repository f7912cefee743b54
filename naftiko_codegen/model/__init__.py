"""Stage 4, model: the canonical capability → the frozen, render-ready template context.

Everything a template needs is decided here: Python identifiers, environment variable names,
type annotations, JSON Schemas, code expressions with their imports, and (in the test plan)
sample values and expectations for the generated tests. Templates only loop and branch over
this model. Its types are the template context, versioned by `CONTEXT_VERSION` and documented
in `docs/template-context.md` (see `docs.py`); custom templates may rely on every field.

One module per concept, each holding its types and the pure functions that build them:
`capability` (the whole), `apis`, `operations`, `calls`, `workflows`, `units`, `rest`, `mcp`,
`auth`, `control`, `deploy` (container and Kubernetes), `imports` (each module's import block), `test_plan` (with `samples`), and `code` (expressions and their needs).
"""

from __future__ import annotations

from ..canonical import CanonicalCapability
from ..names import slugify
from .apis import ApiModel
from .auth import InboundAuthModel
from .calls import CallModel
from .capability import CONTEXT_VERSION, CapabilityModel, SecretModel, build_capability
from .control import ControlModel
from .deploy import DeployModel, DeploySecretModel, DeploySettingModel, PortModel
from .imports import ImportLine, ImportsModel, ModuleImports
from .mcp import McpModel, PromptModel, ResourceModel, ToolModel
from .operations import OperationModel, ParameterModel
from .rest import ForwardModel, RestModel, RouteModel
from .skills import SkillsModel
from .test_plan import ForwardTest, PromptTest, ResourceTest, RouteTest, TestPlan, ToolTest
from .units import InputModel
from .workflows import ScriptModel, StepModel, WorkflowCallModel, WorkflowModel

__all__ = [
    "CONTEXT_VERSION",
    "ApiModel",
    "CallModel",
    "CapabilityModel",
    "ControlModel",
    "DeployModel",
    "DeploySecretModel",
    "DeploySettingModel",
    "ForwardModel",
    "ForwardTest",
    "ImportLine",
    "ImportsModel",
    "InboundAuthModel",
    "InputModel",
    "McpModel",
    "ModuleImports",
    "OperationModel",
    "ParameterModel",
    "PortModel",
    "PromptModel",
    "PromptTest",
    "ResourceModel",
    "ResourceTest",
    "RestModel",
    "RouteModel",
    "RouteTest",
    "ScriptModel",
    "SecretModel",
    "SkillsModel",
    "StepModel",
    "TestPlan",
    "ToolModel",
    "ToolTest",
    "WorkflowCallModel",
    "WorkflowModel",
    "build_model",
]


def build_model(
    canonical: CanonicalCapability, *, spec_file: str, spec_text: str, slug: str
) -> CapabilityModel:
    """Derive every name, type and expression the templates need from a resolved capability."""
    return build_capability(canonical, spec_file=spec_file, spec_text=spec_text, slug=slugify(slug))
