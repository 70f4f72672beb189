using Mkcdrec.Cli;

return CliRunner.Invoke(CommandTree.Build(), args);
