"""The mathematics every other package uses: arithmetics (arith) and the one record per activation and loss (functions)."""
