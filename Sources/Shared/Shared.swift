/// UltraAD shared library: see DESIGN.md for the folders and their borders.
