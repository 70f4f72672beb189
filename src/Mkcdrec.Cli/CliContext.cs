using System.CommandLine;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Cli;

/// <summary>Composition root of one run: the log, the process runner, the system view.</summary>
internal sealed class CliContext : IDisposable
{
    private CliContext(ParseResult parse, string verb)
    {
        Json = parse.GetValue(GlobalOptions.Json);
        Verbose = parse.GetValue(GlobalOptions.Verbose);
        var requested = parse.GetValue(GlobalOptions.LogFile);
        var log = FileLog.Open(requested, verb, Verbose);
        Log = log;
        LogPath = log.Path;
        var runner = new ProcessRunner(Log);
        Runner = runner;
        Processes = runner;
        Files = new SystemFiles();
        FileSystem = new FileSystemAccess();
        Log.Info($"mkcdrec {typeof(CliContext).Assembly.GetName().Version} {verb}: {string.Join(' ', parse.Tokens.Select(t => t.Value))}");
        if (ConfigOverlay.Current is { File: { } file } overlay)
        {
            Log.Info($"configuration file {file}");
            overlay.Describe().ToList().ForEach(Log.Info);
        }
    }

    public static CliContext? Current { get; private set; }

    public bool Json { get; }

    /// <summary>Where lines for the person at the terminal go: standard output, or standard error with --json (whose
    /// standard output holds only the JSON lines).</summary>
    public TextWriter Human => Json ? Console.Error : Console.Out;

    public bool Verbose { get; }

    public ILog Log { get; }

    public string? LogPath { get; }

    public IProcessRunner Runner { get; }

    /// <summary>Programs spoken to over their standard input and output (ssh carrying SFTP).</summary>
    public IPipedProcessStarter Processes { get; }

    public ISystemFiles Files { get; }

    public IFileSystemAccess FileSystem { get; }

    public static CliContext Create(ParseResult parse, string verb) => Current = new CliContext(parse, verb);

    /// <summary>
    /// Set by <see cref="CliRunner"/>: a command's own Dispose leaves the log open, so the error that ended the command
    /// (disposed on the way out) is still written to it with its stack; the runner closes it last.
    /// </summary>
    internal static bool KeptOpenByRunner { get; set; }

    public void Dispose()
    {
        if (!KeptOpenByRunner)
        {
            Close();
        }
    }

    internal void Close()
    {
        (Log as IDisposable)?.Dispose();
        Current = null;
    }
}
