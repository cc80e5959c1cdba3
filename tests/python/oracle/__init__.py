"""Independent pandas implementations ("oracles") of the metric definitions in the metrics contract.

They are written from the contract alone, never from the project's SQL, so that the SQL marts and the
oracles can check each other on generated data.
"""
