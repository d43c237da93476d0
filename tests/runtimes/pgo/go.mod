module pgoprogram

go 1.21
