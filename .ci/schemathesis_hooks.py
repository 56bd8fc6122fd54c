"""Schemathesis hooks for AuditTrail (loaded by ../schemathesis.toml).

One rule of the API is relative to the server's clock, which JSON Schema cannot state: an event's
`time` may be at most the configured skew away from the moment the server receives it (the OpenAPI
document says so in the field's description). Generated events keep every other field as
generated; a `time` that is a well-formed RFC 3339 date-time is replaced by the current time just before the request goes out, so
a schema-valid event is not refused for a time decades away. A `time` that is not a well-formed
date-time (a negative case) is left alone, so the server must still refuse it.
"""
import datetime
import os
import random
import re
import tomllib

import schemathesis

# The search-language examples of schemathesis.toml's dictionary: a rule's `query` and a stream's
# `filters.q` are search expressions in a JSON body, which the dictionary (for the `q` query
# parameter) does not reach. A generated schema-valid string there is replaced by one of them.
with open(os.path.join(os.path.dirname(__file__), "..", "schemathesis.toml"), "rb") as _file:
    _SEARCH = tomllib.load(_file)["dictionaries"]["search"]["values"]
_VALID_TEXT = re.compile(r"^[^\x00-\x1f\x7f]{1,4096}$")


def _search(value):
    if isinstance(value, str) and _VALID_TEXT.match(value):
        return random.Random(value).choice(_SEARCH)
    return value

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _fix(event):
    if isinstance(event, dict) and isinstance(event.get("time"), str) and _RFC3339.match(event["time"]):
        event["time"] = _now()
    return event


@schemathesis.hook
def before_call(context, case, kwargs):
    # Every phase goes through here (the coverage phase does not apply map_body).
    # schemathesis 4.32.5 reports a POST /v1/verify sent without a body as "schema-violating
    # request accepted" (its own report names the case "positive test case"; the body is
    # optional). No body and {} are the same request to the server (ProofRouteTests sends both);
    # such a case goes out as {}.
    if type(case.body).__name__ == "NotSet" and case.operation.label == "POST /v1/verify":
        case.body = {}
    if isinstance(case.body, list):
        case.body = [_fix(event) for event in case.body]
    else:
        case.body = _fix(case.body)
    if isinstance(case.body, dict):
        if case.operation.label == "POST /v1/alert-rules" and "query" in case.body:
            case.body["query"] = _search(case.body["query"])
        filters = case.body.get("filters")
        if case.operation.label == "POST /v1/streams" and isinstance(filters, dict) and "q" in filters:
            filters["q"] = _search(filters["q"])
