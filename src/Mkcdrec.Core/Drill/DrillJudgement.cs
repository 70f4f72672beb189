namespace Mkcdrec.Core.Drill;

/// <summary>
/// What a drill reads from the consoles of the machines it boots (<see cref="DrillProtocol"/> lines) into its report, and
/// its verdict on that report. Shared by `mkcdrec drill` and by anything else that recovers machines with mkcdrec.drill=1
/// and watches their consoles (a fleet drill through `mkcdrec serve --drill`).
/// </summary>
public static class DrillJudgement
{
    /// <summary>Every protocol line of <paramref name="lines"/> read into <paramref name="report"/>; the first unreadable
    /// payload's message, or null.</summary>
    public static string? ReadAll(IEnumerable<string> lines, DrillReport report)
    {
        foreach (var l in lines)
        {
            if (DrillProtocol.Parse(l) is { } p && Read(p.Event, p.Payload, report) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>One event's facts into the report (events that carry none are ignored); a message when its payload is unreadable.</summary>
    public static string? Read(string evt, string? payload, DrillReport r)
    {
        switch (evt)
        {
            case DrillProtocol.RestoreCompare:
                return Add(r.RestoreCompare, CompareSummary.FromJson(payload ?? ""), "Unreadable restore comparison: " + payload);
            case DrillProtocol.BootCompare:
                return Add(r.BootCompare, CompareSummary.FromJson(payload ?? ""), "Unreadable boot comparison: " + payload);
            case DrillProtocol.RecoveryPhases:
                var phases = DrillPhase.ListFromJson(payload ?? "");
                r.RecoveryPhases = phases ?? [];
                return phases is null ? "Unreadable recovery phases: " + payload : null;
            case DrillProtocol.FinalizeWrote:
                var wrote = DrillProtocol.PathsFromJson(payload ?? "");
                r.FinalizeWrote = wrote ?? [];
                return wrote is null ? "Unreadable list of the files finalize wrote: " + payload : null;
            case DrillProtocol.EfiBoot:
                r.EfiBootEntry = payload ?? "";
                return null;
            case DrillProtocol.SecureBoot:
                r.SecureBoot = payload ?? "";
                return null;
            case DrillProtocol.Hostname:
                r.Hostname = payload ?? "";
                return null;
            case DrillProtocol.MachineId:
                r.MachineId = payload ?? "";
                return null;
            case DrillProtocol.SshHostKey when payload is { Length: > 0 }:
                r.SshHostKeys.Add(payload);
                return null;
            default:
                return null;
        }
    }

    private static string? Add(List<CompareSummary> list, CompareSummary? item, string error)
    {
        if (item is null)
        {
            return error;
        }

        list.Add(item);
        return null;
    }

    /// <summary>
    /// The verdict: every restored file equal to the manifest right after the restore; after the first boot, differences
    /// only where a boot writes (<see cref="DrillProtocol.VolatileAfterBoot"/>) or the recovery wrote (finalize's files).
    /// Those are moved to <see cref="DrillReport.ChangedByBoot"/> and <see cref="DrillReport.ChangedByRecovery"/>.
    /// </summary>
    public static void Judge(DrillReport r)
    {
        if (r.RestoreCompare.Count == 0)
        {
            r.Failures.Add("The rescue system reported no comparison of the restored files.");
        }

        foreach (var s in r.RestoreCompare.Where(s => s.Differences > 0))
        {
            r.Failures.Add($"restored {s.Root}: {s.Changed.Count} changed, {s.Missing.Count} missing, {s.New.Count} new{Examples(s)}");
        }

        if (r.BootCompare.Count == 0)
        {
            r.Failures.Add("The booted system reported no comparison.");
        }

        var written = r.FinalizeWrote.Select(p => p.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        foreach (var s in r.BootCompare)
        {
            var rel = (string entry) => entry.Split(' ')[0].TrimStart('/');
            foreach (var list in new[] { s.Changed, s.Missing, s.New })
            {
                var volatileOnes = list.Where(e => DrillProtocol.IsVolatile(Relative(s.Root, rel(e)))).ToList();
                r.ChangedByBoot.AddRange(volatileOnes.Select(e => $"{s.Root}: {e}"));
                list.RemoveAll(volatileOnes.Contains);
                var recoveryOnes = list.Where(e => DrillProtocol.IsRecoveryWrite(Relative(s.Root, rel(e)), e, written)).ToList();
                r.ChangedByRecovery.AddRange(recoveryOnes.Select(e => $"{s.Root}: {e}"));
                list.RemoveAll(recoveryOnes.Contains);
            }

            if (s.Differences > 0)
            {
                r.Failures.Add($"booted {s.Root}: {s.Changed.Count} changed, {s.Missing.Count} missing, {s.New.Count} new{Examples(s)}");
            }
        }

        r.Passed = r.Failures.Count == 0;
    }

    /// <summary>The first differences, named, so the report says what differs (the full lists are in the JSON report).</summary>
    private static string Examples(CompareSummary s)
    {
        var all = s.Changed.Select(e => "changed " + e).Concat(s.Missing.Select(e => "missing " + e)).Concat(s.New.Select(e => "new " + e)).ToList();
        return ": " + string.Join("; ", all.Take(10)) + (all.Count > 10 ? $"; … ({all.Count - 10} more)" : "");
    }

    /// <summary>A path inside the archive of the filesystem mounted at <paramref name="root"/>, relative to the system root.</summary>
    private static string Relative(string root, string path)
    {
        var r = root.Trim('/');
        return r.Length == 0 ? path : r + "/" + path;
    }
}
