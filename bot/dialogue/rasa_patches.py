"""One small fix to Rasa 3.6's hot path, applied when the engine starts.

Rasa checks every custom action's result against a JSON schema with
``jsonschema.validate``, which first checks the schema itself against the
JSON-Schema meta-schema and builds a new validator: about half of a whole turn's
time on these machines (49 of 99 ms), for a schema that never changes. Here the
validator is built once and reused; the check itself is unchanged, so a
malformed action result is still rejected with Rasa's own error
(``tests/test_rasa_patches.py``). Rasa's code is not edited: the method is
replaced on the class when the engine loads.
"""
from __future__ import annotations

import functools
from typing import Any

RASA_DOCS_HINT = (". Failed to validate Action server response from API, make sure your response from the "
                  "Action endpoint is valid. For more information about the format visit "
                  "https://rasa.com/docs/rasa/custom-actions")


@functools.lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """The validator for Rasa's action-result schema, its schema checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """What ``RemoteAction._validate_action_result`` does, with the validator built once:
    the same best-matching error as ``jsonschema.validate``, with Rasa's hint added."""
    from jsonschema.exceptions import best_match

    error = best_match(action_result_validator().iter_errors(result))
    if error is not None:
        error.message += RASA_DOCS_HINT
        raise error
    return True


def apply() -> None:
    """Replace Rasa's per-call validation; idempotent."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
