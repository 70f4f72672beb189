using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>
    /// vgcreate and lvcreate cannot be told a UUID, so once a group's volumes exist the group's metadata is edited
    /// (vgcfgbackup, sed, vgcfgrestore) to carry the original UUIDs; docs/plan-format.md explains the step.
    /// </summary>
    private static void AddOriginalIds(PlanContext context, VolumeGroup vg)
    {
        var made = context.Steps.Where(s => s.Kind == StepKinds.LvCreate && s.Provides.Any(p => p.StartsWith($"lv:{vg.Name}/", StringComparison.Ordinal))).ToList();
        var lvs = context.Layout.Lvm.LogicalVolumes
            .Where(l => l.VgName == vg.Name && l.Uuid.Length > 0 && (l.Hidden || made.Any(s => s.Provides.Contains(l.Id)))).ToList();
        if (vg.Uuid.Length == 0 || !context.IsProvided("vg:" + vg.Name))
        {
            return;
        }

        var file = $"/run/mkcdrec/lvm-{vg.Name}.vg";
        var commands = new List<IEnumerable<string>>
        {
            new[] { "mkdir", "-p", "/run/mkcdrec" },
            new[] { "vgchange", "--activate", "n", vg.Name },
            new[] { "vgcfgbackup", "--file", file, vg.Name },
            SetIdsInMetadata(vg, lvs, file),
        };

        // Hidden volumes (pool metadata, spares, raid images) are named by LVM; their UUIDs are set when the names match.
        commands.AddRange(lvs.Where(l => !l.Hidden).Select(l => l.Uuid).Prepend(vg.Uuid)
            .Select(u => (IEnumerable<string>)new[] { "grep", "-q", "-F", $"id = \"{u}\"", file }));
        var thin = lvs.Any(l => l.SegmentType == "thin-pool");
        commands.Add(thin ? ["vgcfgrestore", "--force", "--file", file, vg.Name] : ["vgcfgrestore", "--file", file, vg.Name]);
        commands.Add(["vgchange", "--activate", "y", vg.Name]);
        commands.Add(["udevadm", "settle"]);

        // From here on, whatever uses one of the group's volumes waits for this step (it deactivates them).
        context.AddRequirementGate($"lv:{vg.Name}/", "lvm-ids:" + vg.Name, StepKinds.LvCreate, StepKinds.LvmIds);
        context.AddStep(StepKinds.LvmIds, "vg:" + vg.Name,
            $"Give volume group {vg.Name} and its {lvs.Count(l => !l.Hidden)} logical volume(s) their original UUIDs (vgcfgbackup, edit, vgcfgrestore{(thin ? " --force: thin pool" : "")})",
            false, [.. lvs.Where(l => !l.Hidden).Select(l => context.Paths[l.Id])], ["vg:" + vg.Name, .. made.SelectMany(s => s.Provides)], ["lvm-ids:" + vg.Name], [.. commands]);
    }

    /// <summary>One sed over the metadata file: the group's id, then each volume's id inside its own block.</summary>
    private static List<string> SetIdsInMetadata(VolumeGroup vg, List<LogicalVolume> lvs, string file)
    {
        var sed = new List<string> { "sed", "-i", "-e", $"/^{SedLiteral(vg.Name)} {{/,/^}}/s/^\\tid = \"[^\"]*\"/\\tid = \"{vg.Uuid}\"/" };
        foreach (var lv in lvs)
        {
            sed.AddRange(["-e", $"/^\\tlogical_volumes {{/,/^\\t}}/{{/^\\t\\t{SedLiteral(lv.Name)} {{/,/^\\t\\t}}/s/^\\t\\t\\tid = \"[^\"]*\"/\\t\\t\\tid = \"{lv.Uuid}\"/}}"]);
        }

        sed.Add(file);
        return sed;
    }

    /// <summary>A name as a literal in a sed basic regular expression.</summary>
    private static string SedLiteral(string name) =>
        name.Replace(".", "\\.", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal);
}
