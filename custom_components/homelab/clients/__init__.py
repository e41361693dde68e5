"""The API clients, apart from the Home Assistant side.

None of them imports Home Assistant: each is one class on an injected aiohttp session, with
typed models and a small exception tree (see docs/architecture.md).
"""
