"""Tables of training data: the reader (calc.data.table) and the data sets shipped with the project.

    seeds/   the UCI "seeds" wheat-kernel data of seed 003 (CC BY 4.0), exactly as published; seeds/README.md
             is its attribution, kept beside it
"""
