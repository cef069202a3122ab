"""Places and contact channels in spreadsheets: the columns, the files, and importing a
checked upload."""
