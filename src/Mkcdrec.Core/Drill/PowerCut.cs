using System.Globalization;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// `drill --power-cut PHASE[+SECONDS]`: the drill kills the rescue machine (QEMU, like pulling the plug: what the guest
/// had not written to its disks is lost) that many seconds after the recovery entered that phase, boots the medium
/// again on the same disks and lets the recovery start over; the rest of the drill proves the result equals an
/// uninterrupted one.
/// </summary>
public sealed record PowerCut(string Phase, TimeSpan After)
{
    /// <summary>The option's words for the recovery's phases (RecoverWorkflow's phase names).</summary>
    public static readonly IReadOnlyDictionary<string, string> Phases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["verify"] = "verify backup",
        ["layout"] = "layout",
        ["restore"] = "restore",
        ["finalize"] = "finalize",
    };

    public static PowerCut Parse(string text)
    {
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        var word = plus < 0 ? text : text[..plus];
        if (!Phases.TryGetValue(word, out var phase))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--power-cut {text}: '{word}' is not a phase of the recovery.",
                $"Use one of {string.Join(", ", Phases.Keys)}, optionally with +SECONDS (e.g. restore+5).");
        }

        var seconds = 0.0;
        if (plus >= 0 && (!double.TryParse(text[(plus + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || seconds < 0 || seconds > 3600))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--power-cut {text}: '{text[(plus + 1)..]}' is not a number of seconds between 0 and 3600.",
                "Give the seconds after the phase starts, e.g. restore+5.");
        }

        return new PowerCut(phase, TimeSpan.FromSeconds(seconds));
    }

    public override string ToString() => $"{Phase}+{After.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
}
