from connector.commands.cli import entry

entry()
