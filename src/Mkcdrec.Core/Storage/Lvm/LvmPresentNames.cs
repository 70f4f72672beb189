using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>
    /// The volume groups on the disks this machine sees, each on its physical volumes (`pvs`): vgcreate refuses a name one
    /// of them has, so a plan that makes it is refused before any disk is written. Without LVM's tools, none.
    /// </summary>
    public IReadOnlyList<PresentIdentifier> FindPresentNames(IProcessRunner run)
    {
        if (!run.CanRun("pvs"))
        {
            return [];
        }

        var r = run.Run(new ProcessRequest("pvs", ["--noheadings", "--separator", "|", "-o", "pv_name,vg_name"]));
        return r.ExitCode != 0 ? [] : ParsePvs(r.StandardOutput);
    }

    /// <summary>pvs' "  /dev/sda3|vg0" lines; a PV in no group has an empty name.</summary>
    public static List<PresentIdentifier> ParsePvs(string output) =>
        [.. from line in output.Split('\n')
            let fields = line.Trim().Split('|')
            where fields.Length == 2 && fields[0].StartsWith("/dev/", StringComparison.Ordinal) && fields[1].Trim().Length > 0
            select new PresentIdentifier(fields[0], IdentifierKinds.VgName, fields[1].Trim()) { Type = "LVM2_member" }];

    public IEnumerable<PlannedName> UniqueNames(LayoutDocument layout) =>
        layout.Lvm.VolumeGroups.Select(vg => new PlannedName(IdentifierKinds.VgName, vg.Name, vg.Id));
}
