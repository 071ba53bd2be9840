"""The official's desk: the programs awaiting the village official's decision, and the
year's agreed plan of a community (a printable table and a CSV file)."""
