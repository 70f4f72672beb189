using System.CommandLine;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core;

namespace Mkcdrec.Cli;

/// <summary>The one place that turns failures into messages and documented exit codes.</summary>
internal static class CliRunner
{
    public static int Invoke(RootCommand root, string[] args)
    {
        var first = root.Parse(args);
        var json = first.GetValue(GlobalOptions.Json);
        ParseResult parse;
        try
        {
            parse = root.Parse(ConfigOverlay.Apply(first, args).Args);
        }
        catch (MkcdrecException ex)
        {
            Report(json, ex.Code, ex.Message, ex.Hint);
            return (int)ex.Code;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                Report(json, ExitCode.Usage, e.Message, "See 'mkcdrec --help' or 'mkcdrec <verb> --help'.");
            }

            return (int)ExitCode.Usage;
        }

        try
        {
            CliContext.KeptOpenByRunner = true;
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            var (code, message, hint) = Classify(ex);
            CliContext.Current?.Log.Info($"error ({code}): {message}\n{ex}");
            Report(json, code, message, hint + (ConfigOverlay.Current?.Provenance() is { } from ? " " + from : "")
                                        + (CliContext.Current?.LogPath is { } lp && code == ExitCode.Internal ? $" Log: {lp}" : ""));
            return (int)code;
        }
        finally
        {
            CliContext.Current?.Close();
            CliContext.KeptOpenByRunner = false;
        }
    }

    public static (ExitCode Code, string Message, string Hint) Classify(Exception ex) => ex switch
    {
        MkcdrecException m => (m.Code, m.Message, m.Hint),
        InvalidDataException d => (ExitCode.BadInput, d.Message, "The data is damaged or not what mkcdrec expected; see the message for where."),
        UnauthorizedAccessException u => (ExitCode.NeedsRoot, u.Message, "Run it again as root (for example with sudo)."),
        FileNotFoundException f => (ExitCode.BadInput, f.Message, "Check the path and run the command again."),
        DirectoryNotFoundException d => (ExitCode.BadInput, d.Message, "Check the path and run the command again."),
        OperationCanceledException => (ExitCode.Refused, "Cancelled.", "Nothing more was changed."),
        _ => (ExitCode.Internal, $"Internal error: {ex.GetType().Name}: {ex.Message}", "This is a bug in mkcdrec; please report it with the log."),
    };

    public static void Report(bool json, ExitCode code, string message, string hint)
    {
        if (json)
        {
            CliJson.WriteLine(new ErrorOutput(new ErrorDetail((int)code, code.ToString(), message, hint)), CliJsonContext.Default.ErrorOutput);
        }
        else
        {
            Console.Error.WriteLine($"mkcdrec: error: {message}");
            Console.Error.WriteLine($"  what to do: {hint}");
        }
    }
}
