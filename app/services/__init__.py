"""The service layer: the only place that decides, writes and notifies."""
