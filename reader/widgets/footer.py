"""Textual's footer, rebuilt only when the keys it shows change.

Textual's :class:`~textual.widgets.Footer` recomposes after every "bindings changed" signal:
it throws away every key widget, builds new ones and restyles each (about 30 ms for the main
screen's keys on this machine). The signal fires on every focus change and several times while
a screen starts (mount, focus, resume), mostly with the same keys as before: at start-up that
was three rebuilds competing with the first paint. This footer coalesces a burst of signals into
one check after the next refresh, and rebuilds only if the keys on show differ from the ones it
shows. A rebuild also restyles each key once instead of three times (see :meth:`compose`).
What it draws is exactly what Textual's footer draws.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """A drop-in :class:`textual.widgets.Footer` that skips rebuilds that would change nothing."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._check_pending = False
        self._composed_keys: Hashable | None = None

    def _keys_on_show(self) -> Hashable:
        """Everything :meth:`compose` reads from the screen's bindings (bindings are frozen dataclasses)."""
        bindings = self.screen.active_bindings.values()
        return tuple((active.binding, active.enabled, active.tooltip) for active in bindings)

    def compose(self) -> ComposeResult:
        self._composed_keys = self._keys_on_show() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "compact" in (
                getattr(widget, "_reactive_connect", None) or ()
            ):
                # A key starts compact and is then bound to the footer's ``compact``: each change
                # of its class restyles it (two restyles per key, a third of a rebuild's cost).
                # Starting it at the bound value leaves it exactly as binding would, restyled once.
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        # Textual's version, with the recompose replaced by one coalesced check.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._check_pending = False
        if not self.is_attached or self._keys_on_show() == self._composed_keys:
            return
        await self.recompose()
