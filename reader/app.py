"""Placeholder replaced by the app issue."""


def run_app(curriculum_name: str | None = None) -> None:
    raise SystemExit("the app is not built yet")
