using System.CommandLine;

namespace Mkcdrec.Cli;

internal static class GlobalOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Machine-readable output: JSON documents, JSON lines for progress and errors.",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Also print the log (every command run, with timing) on standard error.",
        Recursive = true,
    };

    public static readonly Option<string?> LogFile = new("--log")
    {
        Description = "Write the log of this run to FILE (default: a new file per run under /var/log/mkcdrec/).",
        HelpName = "FILE",
        Recursive = true,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Read this configuration file instead of /etc/mkcdrec/mkcdrec.conf ($MKCDREC_CONFIG names one too; /dev/null reads none). "
                      + "Options on the command line override it (docs/configuration.md).",
        HelpName = "FILE",
        Recursive = true,
    };
}
