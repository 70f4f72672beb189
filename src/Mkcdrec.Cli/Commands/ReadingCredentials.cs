using Mkcdrec.Core.Destinations;

namespace Mkcdrec.Cli.Commands;

/// <summary>
/// The credentials with which fetch, verify, recover and backups list reach a destination: the --secrets directory's
/// ssh/ and s3/ files (else the admin's own) and, when a person sits at the terminal and the run is not unattended,
/// that person for what the files lack (docs/secrets.md). A backup run never asks.
/// </summary>
internal static class ReadingCredentials
{
    public static DestinationCredentials For(string? secretsDirectory, bool unattended = false)
    {
        var files = DestinationCredentials.From(secretsDirectory);
        return unattended || Console.IsInputRedirected ? files : files.AskingFor(new TerminalPrompt());
    }

    private sealed class TerminalPrompt : ICredentialPrompt
    {
        public string? Ask(string question, bool hidden)
        {
            if (hidden)
            {
                return Terminal.ReadHidden(question);
            }

            Console.Error.Write(question);
            return Console.ReadLine();
        }
    }
}
