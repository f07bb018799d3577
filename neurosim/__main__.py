from neurosim.cli import run

run()
