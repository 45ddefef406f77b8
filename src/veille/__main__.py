from veille.cli.main import run

run()
