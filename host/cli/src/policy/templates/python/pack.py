"""The `{{id}}` policy pack, in Python.

`plimsoll policy build` turns this module into a WebAssembly component with componentize-py,
against the contract of the plimsoll that builds it (`wit/` holds a copy to read).
The bindings (`wit_world`) are generated at build time: the
model arrives as dataclasses (`model.Project`, `model.Service`, ...; field names in snake_case),
and findings go back as `types.Finding`. `print()` output and `host.log` are captured by the host
and shown with `plimsoll check --verbose`.
"""

import json
import traceback
from typing import List, Optional, Union

import wit_world
from componentize_py_types import Err
from wit_world.imports import host, model, types

PACK_ID = "{{id}}"
VERSION = "0.1.0"
SUMMARY = "house rules for our compose stacks"

# The JSON Schema of the settings; the host validates plimsoll.yaml's `settings.{{id}}` against it.
SETTINGS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Settings",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "owner-label": {
            "description": "The label that names the team owning a service.",
            "type": "string",
            "minLength": 1,
            "default": "com.example.owner",
        },
        "exempt-services": {
            "description": "Services that need no owner label, by name.",
            "type": "array",
            "items": {"type": "string"},
            "default": [],
        },
    },
}

DEFAULTS = {"owner-label": "com.example.owner", "exempt-services": []}

OWNER_LABEL_MISSING = types.RuleInfo(
    id="owner-label-missing",
    summary="service has no owner label",
    severity=types.Severity.LOW,
    category="ownership",
    docs="""## What it does
Flags services without an owner label (`com.example.owner` unless the `owner-label` setting
names another), or whose owner label is empty.

## Why is this bad?
When a service misbehaves at 3 a.m., the person on call must know which team to wake up.
A label on the service is the one place that travels with it into `docker ps`, logs and
monitoring.

## Example
```yaml
services:
  web:
    image: nginx:1.27
```

## Use instead
```yaml
services:
  web:
    image: nginx:1.27
    labels:
      com.example.owner: storefront
```""",
    status=types.RuleStatus.STABLE,
    fixable=False,
)

RULES = [OWNER_LABEL_MISSING]


def policy_error(e: Exception) -> Err:
    """An unexpected exception as the `err` the host reports: its type, message and the last
    frames of its traceback (componentize-py would otherwise trap with no message)."""
    frames = traceback.extract_tb(e.__traceback__)[-3:]
    where = "".join(f"\n  {f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}: {f.line}" for f in frames)
    return Err(f"{type(e).__name__}: {e}{where}")


def finding(
    rule: str,
    message: str,
    subject: types.Subject,
    *,
    severity: Optional[types.Severity] = None,
    related: Optional[List[types.Subject]] = None,
    help: Optional[str] = None,
    fix: Optional[types.Fix] = None,
) -> types.Finding:
    """A finding with the optional fields defaulted (the generated dataclass has no defaults)."""
    return types.Finding(
        rule=rule, severity=severity, message=message, subject=subject, related=related or [], help=help, fix=fix
    )


def parse_settings(text: str) -> dict:
    """Settings JSON with the defaults filled in; raises ValueError when they are wrong."""
    given = json.loads(text) if text.strip() not in ("", "null") else {}
    if not isinstance(given, dict):
        raise ValueError("settings must be a mapping")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting `{unknown[0]}`")
    settings = dict(DEFAULTS, **given)
    if not str(settings["owner-label"]).strip():
        raise ValueError("owner-label: must not be blank")
    return settings


def service_subject(name: str, *path: Union[str, int]) -> types.Subject:
    """Where a finding points: the service's key (`service_subject("web")`) or a key below it,
    `service_subject("web", "ports", i)` for `service.ports[i]` (list indexes are the model's and
    become decimal strings; a port range is one entry per port, located at the range's line)."""
    return types.Subject_Compose(["services", name, *(str(p) for p in path)])


def owner_label_missing(project: model.Project, settings: dict) -> List[types.Finding]:
    label = settings["owner-label"]
    findings = []
    for service in project.services:
        if service.name in settings["exempt-services"]:
            continue
        owned = any(kv.name == label and kv.value is not None and kv.value.strip() for kv in service.labels)
        if not owned:
            findings.append(
                finding(
                    OWNER_LABEL_MISSING.id,
                    f"service `{service.name}` has no `{label}` label",
                    service_subject(service.name),
                    help=f"add `labels: {{ {label}: <team> }}` naming the team that owns the service",
                )
            )
    return findings


class WitWorld(wit_world.WitWorld):
    """The component's exports."""

    def describe(self) -> types.PackInfo:
        return types.PackInfo(
            id=PACK_ID,
            version=VERSION,
            summary=SUMMARY,
            settings_schema=json.dumps(SETTINGS_SCHEMA),
            rules=RULES,
        )

    def validate_settings(self, settings: str) -> None:
        try:
            parse_settings(settings)
        except ValueError as e:
            raise Err(str(e)) from None
        except Exception as e:
            raise policy_error(e) from None

    def evaluate(self, project: model.Project, settings: str) -> List[types.Finding]:
        try:
            parsed = parse_settings(settings)
        except ValueError as e:
            raise Err(str(e)) from None
        try:
            host.log(host.LogLevel.DEBUG, f"{PACK_ID}: {len(project.services)} services")
            return owner_label_missing(project, parsed)
        except Exception as e:
            raise policy_error(e) from None
