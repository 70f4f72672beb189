namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>
    /// New physical volume UUIDs (pvcreate --uuid); the groups and volumes keep the UUIDs vgcreate and lvcreate give
    /// them (an empty UUID in the planning copy drops the step that would set the original ones).
    /// </summary>
    public void RenewIdentifiers(IdentifierRenewal renewal)
    {
        var lvm = renewal.Layout.Lvm;
        foreach (var pv in lvm.PhysicalVolumes.Where(p => p.Uuid.Length > 0))
        {
            pv.Uuid = renewal.Record("lvm-pv", pv.Id, pv.Uuid, IdentifierRenewal.NewLvmId());
        }

        foreach (var vg in lvm.VolumeGroups.Where(v => v.Uuid.Length > 0))
        {
            renewal.Record("lvm-vg", vg.Id, vg.Uuid, "");
            vg.Uuid = "";
        }

        foreach (var lv in lvm.LogicalVolumes.Where(l => l.Uuid.Length > 0))
        {
            renewal.Record("lvm-lv", lv.Id, lv.Uuid, "");
            lv.Uuid = "";
        }
    }
}
