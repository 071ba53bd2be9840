"""Meetings: the musyawarah in the hall, its roll and quorum, its votes and its berita acara."""
