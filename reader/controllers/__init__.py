"""Small controllers: jobs of the app and the main screen that span several widgets or run in
the background (notes actions, indexing, fetching), so that neither the app nor the screen
grows into a module that does everything. A controller holds a reference to the app or screen
it serves; it never reaches into another screen."""
