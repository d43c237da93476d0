module steps

go 1.19
