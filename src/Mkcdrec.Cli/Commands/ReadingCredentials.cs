using System.CommandLine;
using Mkcdrec.Core.Destinations;

namespace Mkcdrec.Cli.Commands;

/// <summary>
/// The credentials with which fetch, verify, recover and backups list reach a destination: the --secrets directory's
/// ssh/ and s3/ files (else the admin's own) and, when a person sits at the terminal and the run is not unattended,
/// that person for what the files lack (docs/secrets.md). A backup run never asks. --ca-file (else the directory's
/// ca.pem) names the CAs an https server must chain to.
/// </summary>
internal static class ReadingCredentials
{
    /// <summary>--ca-file FILE, on every verb that may reach an https server (a URL, an s3:// endpoint).</summary>
    public static Option<string?> CaFileOption() => new("--ca-file")
    {
        Description = "Trust only the CAs in this PEM file for https:// (a backup URL, an s3:// endpoint): the server's certificate must chain to one of them, " +
                      "and its host name must match the URL's. Default: the system's CAs, or ca.pem in the --secrets directory.",
        HelpName = "FILE",
    };

    public static DestinationCredentials For(string? secretsDirectory, bool unattended = false, string? caFile = null)
    {
        var files = DestinationCredentials.From(secretsDirectory).WithCaFile(caFile);
        return unattended || Console.IsInputRedirected ? files : files.AskingFor(new TerminalPrompt());
    }

    /// <summary>A backup run's: the admin's own credentials (never asked), trusting --ca-file's CAs when given.</summary>
    public static DestinationCredentials ForBackup(string? caFile) => DestinationCredentials.Own.WithCaFile(caFile);

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
