"""Musyawarah: participatory planning for village communities."""
