"""Data in and out: exports in Excel-proof CSV, plain CSV and typed XLSX; student import."""
