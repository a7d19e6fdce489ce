"""The pictures: folium maps and HTML reports of what ``geo`` decided; and the ``siting`` CLI."""
