"""Census queries, one folder per HIS vendor: `<vendor>/census.sql`, shipped inside the package."""
