//! The OpenAPI 3.1 document of the check API, served at `/v1/openapi.json`.
//!
//! Written by hand next to the handlers it describes; a test compares it with real responses. It
//! describes; it never routes.

use serde_json::{Value, json};

/// The document.
pub fn document() -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let error_response = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": error } } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Plimsoll check API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Check a Docker Compose project against the server's policy packs. The answer is the JSON report of `plimsoll check --format json`."
        },
        "paths": {
            "/v1/check": {
                "post": {
                    "summary": "Check a project",
                    "parameters": [{
                        "name": "format", "in": "query", "required": false,
                        "schema": { "type": "string", "enum": ["json", "sarif", "junit", "gitlab", "markdown", "html"] }
                    }],
                    "requestBody": {
                        "required": true,
                        "content": {
                            "application/json": { "schema": { "$ref": "#/components/schemas/CheckRequest" } },
                            "application/gzip": { "schema": { "type": "string", "format": "binary", "description": "a .tar.gz of the project" } }
                        }
                    },
                    "responses": {
                        "200": { "description": "the report", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Report" } } } },
                        "400": error_response("malformed request, or a project or configuration that cannot be checked (located errors in `error.errors`)"),
                        "401": error_response("a bearer token is required"),
                        "403": error_response("the request carries `config` and the server runs with --forbid-request-config"),
                        "413": error_response("the body is larger than --max-body"),
                        "415": error_response("unsupported Content-Type"),
                        "503": error_response("at capacity (see Retry-After) or shutting down"),
                        "504": error_response("the deadline passed, or a pack ran out of time (named in the message)")
                    }
                }
            },
            "/v1/rules": {
                "get": {
                    "summary": "The rules of the policy in force",
                    "responses": { "200": { "description": "the catalog", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["rules"],
                        "properties": { "rules": { "type": "array", "items": { "$ref": "#/components/schemas/Rule" } } }
                    } } } } }
                }
            },
            "/v1/rules/{pack}/{rule}": {
                "get": {
                    "summary": "One rule and its documentation",
                    "parameters": [
                        { "name": "pack", "in": "path", "required": true, "schema": { "type": "string" } },
                        { "name": "rule", "in": "path", "required": true, "schema": { "type": "string" } }
                    ],
                    "responses": {
                        "200": { "description": "the rule", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Rule" } } } },
                        "404": error_response("no such rule")
                    }
                }
            },
            "/healthz": { "get": { "summary": "Liveness", "responses": { "200": { "description": "alive" } } } },
            "/readyz": { "get": { "summary": "Readiness", "responses": { "200": { "description": "ready" }, "503": { "description": "not ready, with reasons" } } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "text exposition format" } } } }
        },
        "components": {
            "schemas": {
                "CheckRequest": {
                    "type": "object", "required": ["files"], "additionalProperties": false,
                    "properties": {
                        "files": { "type": "object", "additionalProperties": { "type": "string" }, "description": "relative path → file content; the upload is the whole project" },
                        "compose_files": { "type": "array", "items": { "type": "string" } },
                        "profiles": { "type": "array", "items": { "type": "string" } },
                        "config": { "type": "object", "description": "plimsoll.yaml keys over the server's configuration (not packs or extend)" },
                        "project_name": { "type": "string" }
                    }
                },
                "Report": {
                    "type": "object",
                    "required": ["decision", "score", "fail_on", "summary", "findings", "errors", "warnings", "suppressed", "projects", "stats"],
                    "properties": {
                        "decision": { "type": "string", "enum": ["pass", "warn", "fail"] },
                        "score": { "type": "integer", "minimum": 0, "maximum": 100 },
                        "fail_on": { "type": "string" },
                        "summary": { "type": "object", "additionalProperties": { "type": "integer" } },
                        "findings": { "type": "array", "items": { "$ref": "#/components/schemas/Finding" } },
                        "errors": { "type": "array" },
                        "warnings": { "type": "array" },
                        "suppressed": { "type": "array" },
                        "projects": { "type": "array" },
                        "stats": { "type": "object" },
                        "budgets": {
                            "type": "object",
                            "description": "per project path: the memory (bytes) and CPU budgets against the host profile",
                            "additionalProperties": {
                                "type": "object",
                                "required": ["memory", "cpu", "accounts"],
                                "properties": {
                                    "memory": { "$ref": "#/components/schemas/Budget" },
                                    "cpu": { "$ref": "#/components/schemas/Budget" },
                                    "accounts": { "type": "array", "items": { "$ref": "#/components/schemas/Account" } }
                                }
                            }
                        }
                    }
                },
                "Budget": {
                    "type": "object",
                    "required": ["unit", "capacity", "reserved_for_host", "usable", "services", "limits", "reservations", "unlimited", "limits_percent", "reservations_percent", "verdict"],
                    "properties": {
                        "unit": { "type": "string", "enum": ["bytes", "cpus"] },
                        "capacity": { "type": ["number", "null"] },
                        "reserved_for_host": { "type": "number" },
                        "usable": { "type": ["number", "null"] },
                        "services": { "type": "array", "items": {
                            "type": "object", "required": ["service", "replicas", "limit", "reservation"],
                            "properties": {
                                "service": { "type": "string" }, "replicas": { "type": "integer" },
                                "limit": { "type": ["number", "null"] }, "reservation": { "type": ["number", "null"] }
                            }
                        } },
                        "limits": { "type": "number" },
                        "reservations": { "type": "number" },
                        "unlimited": { "type": "array", "items": { "type": "string" } },
                        "limits_percent": { "type": ["number", "null"] },
                        "reservations_percent": { "type": ["number", "null"] },
                        "verdict": { "type": "string", "enum": ["fits", "unbounded", "overcommitted", "over-reserved", "unknown"] }
                    }
                },
                "Account": {
                    "type": "object",
                    "required": ["kind", "name", "pack", "unit", "capacity", "reserved", "usable", "services", "total", "percent", "unknown", "verdict"],
                    "properties": {
                        "kind": { "type": "string" }, "name": { "type": "string" }, "pack": { "type": "string" },
                        "unit": { "type": "string", "enum": ["bytes", "units"] },
                        "capacity": { "type": "integer" }, "reserved": { "type": "integer" }, "usable": { "type": "integer" },
                        "services": { "type": "array", "items": {
                            "type": "object", "required": ["service", "amount", "source", "unknown"],
                            "properties": {
                                "service": { "type": "string" }, "amount": { "type": "integer" },
                                "source": { "type": "string" }, "unknown": { "type": "boolean" }
                            }
                        } },
                        "total": { "type": "integer" },
                        "percent": { "type": ["number", "null"] },
                        "unknown": { "type": "array", "items": { "type": "string" } },
                        "verdict": { "type": "string", "enum": ["fits", "unbounded", "overcommitted"] }
                    }
                },
                "Finding": {
                    "type": "object",
                    "required": ["rule", "pack", "severity", "category", "message", "file", "line", "column", "fingerprint", "project"],
                    "properties": {
                        "rule": { "type": "string" }, "pack": { "type": "string" }, "severity": { "type": "string" },
                        "category": { "type": "string" }, "message": { "type": "string" }, "help": { "type": ["string", "null"] },
                        "file": { "type": "string" }, "line": { "type": "integer" }, "column": { "type": "integer" },
                        "service": { "type": ["string", "null"] }, "related": { "type": "array" },
                        "fingerprint": { "type": "string" }, "project": { "type": "string" }
                    }
                },
                "Rule": {
                    "type": "object", "required": ["id", "pack", "summary", "severity", "category"],
                    "properties": {
                        "id": { "type": "string" }, "pack": { "type": "string" }, "summary": { "type": "string" },
                        "severity": { "type": "string" }, "category": { "type": "string" }, "docs": { "type": "string" }
                    }
                },
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": {
                        "type": "object", "required": ["status", "message", "errors"],
                        "properties": {
                            "status": { "type": "integer" }, "message": { "type": "string" },
                            "errors": { "type": "array", "items": { "type": "object", "properties": {
                                "kind": { "type": "string" }, "file": { "type": ["string", "null"] },
                                "line": { "type": ["integer", "null"] }, "column": { "type": ["integer", "null"] },
                                "message": { "type": "string" }
                            } } }
                        }
                    } }
                }
            }
        }
    })
}
