"""fw-migrate: move Python code from the OpenAI API to Fireworks AI's OpenAI-compatible API."""

__version__ = "0.1.0"
