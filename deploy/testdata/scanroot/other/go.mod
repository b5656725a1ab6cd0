module other

go 1.26
