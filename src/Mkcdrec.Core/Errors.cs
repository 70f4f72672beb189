namespace Mkcdrec.Core;

/// <summary>The documented process exit codes (README "Exit codes"). One place, one meaning each.</summary>
public enum ExitCode
{
    Success = 0,
    /// <summary>The command worked and found a difference that matters (layout check, verify --compare).</summary>
    Changed = 1,
    /// <summary>Bad command line, or a verb that is not built yet.</summary>
    Usage = 2,
    /// <summary>The command must run as root (or lacks permission on a device).</summary>
    NeedsRoot = 3,
    /// <summary>Input data is unusable: corrupt partition table, bad layout or manifest, wrong passphrase.</summary>
    BadInput = 4,
    /// <summary>The machine lacks something the command needs: a tool, a device, free space.</summary>
    Environment = 5,
    /// <summary>An external command failed.</summary>
    CommandFailed = 6,
    /// <summary>A safety check refused to go on (plan cannot fit, ambiguous disk mapping, not confirmed).</summary>
    Refused = 7,
    /// <summary>The command did only part of what was asked and says what it left out (verify of an encrypted backup without its passphrase).</summary>
    Incomplete = 8,
    /// <summary>A bug in mkcdrec. Please report it with the log.</summary>
    Internal = 70,
}

/// <summary>What each exit code means, in the words of README's "Exit codes" table (a test keeps the two equal); the
/// mkcdrec(8) page prints this table, since the enum's doc comments do not reach the binary.</summary>
public static class ExitCodes
{
    public static readonly IReadOnlyList<(ExitCode Code, string Meaning)> All =
    [
        (ExitCode.Success, "success"),
        (ExitCode.Changed, "the command worked and found a difference that matters (`layout check`, `verify --compare`)"),
        (ExitCode.Usage, "bad command line"),
        (ExitCode.NeedsRoot, "needs root, or permission denied on a device"),
        (ExitCode.BadInput, "bad input data: corrupt partition table, unreadable layout or manifest, wrong passphrase"),
        (ExitCode.Environment, "the machine lacks something needed: a program, a device, free space"),
        (ExitCode.CommandFailed, "an external command failed (the message names it; the log has its output)"),
        (ExitCode.Refused, "a safety check refused to go on (plan does not fit, ambiguous disk mapping, not confirmed)"),
        (ExitCode.Incomplete, "did only part of what was asked and said what it left out (`verify` of an encrypted backup without its passphrase)"),
        (ExitCode.Internal, "internal error: a bug, please report it with the log"),
    ];
}

/// <summary>
/// The one user-facing error type. <see cref="Exception.Message"/> says what went wrong;
/// <see cref="Hint"/> says what the user should do next. The CLI maps <see cref="Code"/> to the exit code.
/// </summary>
public sealed class MkcdrecException : Exception
{
    public MkcdrecException(ExitCode code, string message, string hint, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Hint = hint;
    }

    public ExitCode Code { get; }

    public string Hint { get; }

    public static MkcdrecException NeedsRoot(string what) =>
        new(ExitCode.NeedsRoot, $"{what} needs root privileges.", "Run it again as root (for example with sudo).");

    public static MkcdrecException MissingTool(string tool, string package) =>
        new(ExitCode.Environment, $"The program '{tool}' is needed but was not found in PATH.",
            $"Install it (Debian/Ubuntu: apt-get install {package}) and run the command again.");
}
