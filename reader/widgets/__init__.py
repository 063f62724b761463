"""The app's widgets: one module each, knowing nothing of the screens that hold them."""
