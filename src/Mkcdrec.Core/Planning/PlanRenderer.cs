using System.Text;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Planning;

/// <summary>The plan as a human reads it: the disk mapping table, then the numbered steps with their command lines.</summary>
public static class PlanRenderer
{
    public static string Render(RecoveryPlan plan)
    {
        var sb = new StringBuilder();
        sb.Append("Recovery plan for ").Append(plan.SourceHost.Length > 0 ? plan.SourceHost : "(unnamed host)")
            .Append(" (layout captured ").Append(plan.LayoutCapturedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture))
            .Append("), target root ").Append(plan.TargetRoot).Append('\n');
        AppendDisks(sb, plan);
        AppendSteps(sb, plan);
        AppendNewIdentifiers(sb, plan);
        AppendNotes(sb, plan);
        AppendRefusal(sb, plan);
        return sb.ToString();
    }

    /// <summary>--new-identifiers: each identifier made anew, old and new (finalize rewrites the references to them).</summary>
    private static void AppendNewIdentifiers(StringBuilder sb, RecoveryPlan plan)
    {
        if (plan.NewIdentifiers.Count == 0)
        {
            return;
        }

        sb.Append($"\nNew identifiers (--new-identifiers), {plan.NewIdentifiers.Count}; the recovered system's references to the old ones are rewritten:\n");
        foreach (var n in plan.NewIdentifiers)
        {
            sb.Append("  ").Append(n).Append('\n');
        }
    }

    /// <summary>Last, where the eye ends: why the executor will refuse this plan (identifiers already on the machine).</summary>
    private static void AppendRefusal(StringBuilder sb, RecoveryPlan plan)
    {
        if (plan.IdentifierConflicts.Count == 0)
        {
            return;
        }

        sb.Append("\nRefused: devices this plan does not overwrite already have identifiers it would create (docs/recovery.md); it will not run:\n");
        foreach (var c in plan.IdentifierConflicts)
        {
            sb.Append("  x ").Append(c).Append('\n');
        }
    }

    /// <summary>The mapping table, columns padded to their widest cell, then the disks that are never touched.</summary>
    private static void AppendDisks(StringBuilder sb, RecoveryPlan plan)
    {
        sb.Append("\nDisks:\n");
        var rows = plan.Mappings.Select(m => new[]
        {
            m.SourcePath, Bytes.Format(m.SourceSizeBytes), "→",
            m.TargetPath ?? (m.Missing ? "(missing)" : "(not used)"),
            m.TargetSizeBytes is { } t ? Bytes.Format(t) : "",
            m.Reason + (m.Resize is { } r ? $", {r}" : ""),
        }).ToList();
        var widths = Enumerable.Range(0, 6).Select(i => rows.Count == 0 ? 0 : rows.Max(r => r[i].Length)).ToArray();
        foreach (var r in rows)
        {
            sb.Append("  ");
            for (var i = 0; i < r.Length; i++)
            {
                sb.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i] + 2));
            }

            sb.Append('\n');
        }

        foreach (var t in plan.TargetDisks.Where(t => t.Excluded))
        {
            sb.Append("  never touched: ").Append(t.Path).Append(" (").Append(t.ExcludedBecause ?? (t.HoldsBackup ? "holds the backup" : t.InUse ? "in use" : "boot medium")).Append(")\n");
        }

    }

    private static void AppendSteps(StringBuilder sb, RecoveryPlan plan)
    {
        sb.Append("\nSteps:\n");
        var n = 0;
        var phase = StepPhases.Layout;
        foreach (var s in plan.Steps)
        {
            if (s.Phase != phase)
            {
                phase = s.Phase;
                sb.Append("  -- after the restore --\n");
            }

            sb.Append($"  {++n,3}. ").Append(s.Description).Append(s.Destructive ? "  [destroys data]" : "").Append('\n');
            if (s.PartitionTable is { } pt)
            {
                AppendPartitionTable(sb, pt);
            }

            foreach (var c in s.Commands)
            {
                sb.Append("       $ ").Append(c).Append('\n');
            }
        }
    }

    private static void AppendPartitionTable(StringBuilder sb, PartitionTableSpec pt)
    {
        sb.Append($"       {pt.Kind.ToUpperInvariant()} on {pt.Device}, {pt.SectorSize}-byte sectors");
        if (pt.DiskGuid is { } g)
        {
            sb.Append(", disk GUID ").Append(g);
        }

        if (pt.MbrDiskId is { } id)
        {
            sb.Append(", disk id ").Append(id);
        }

        sb.Append(":\n");
        foreach (var p in pt.Partitions)
        {
            sb.Append($"         {p.Path,-18} {p.Kind,-8} start {p.StartSector,12}  sectors {p.SizeSectors,12}  {Bytes.Format(p.SizeSectors * pt.SectorSize),10}  ")
                .Append(p.TypeGuid?.ToString() ?? "type " + p.MbrType)
                .Append(p.Bootable ? " boot" : "")
                .Append(p.Name is { Length: > 0 } nm ? $" \"{nm}\"" : "")
                .Append('\n');
        }
    }

    private static void AppendNotes(StringBuilder sb, RecoveryPlan plan)
    {
        if (plan.Placeholders.Count > 0)
        {
            sb.Append("\nFilled in when the plan runs:\n");
            foreach (var p in plan.Placeholders)
            {
                sb.Append("  ").Append(p.Token).Append(": ").Append(p.Meaning).Append('\n');
            }
        }

        if (plan.Warnings.Count > 0)
        {
            sb.Append("\nWarnings:\n");
            foreach (var w in plan.Warnings)
            {
                sb.Append("  ! ").Append(w).Append('\n');
            }
        }
    }
}
