using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>
    /// An array with redundancy that had fewer active members than raid devices when it was captured gets, for each
    /// missing member, a copy of a surviving member's disk (its whole partition table, BIOS boot partition and ESP too);
    /// the copy of the member partition takes the free slot. One copy completes every degraded array that disk holds a
    /// member of. The planner maps copies on unused disks; a copy left out leaves its arrays degraded (<see cref="AddArray"/>
    /// says so). With --keep-degraded nothing is added.
    /// </summary>
    public void CompleteLayout(LayoutCompletion completion)
    {
        if (completion.Options.KeepDegraded || !completion.Source.MdArrays.Any(a => MissingSlots(a).Count > 0))
        {
            return;
        }

        var layout = completion.Layout;
        foreach (var array in layout.MdArrays)
        {
            foreach (var slot in MissingSlots(array))
            {
                if (CopyForSlot(completion, array) is { } member)
                {
                    member.Part.UsedBy = array.Id;
                    array.Members.Add(new MdMember { DeviceId = member.Part.Id, Slot = slot, State = "in_sync" });
                }
            }
        }
    }

    /// <summary>The slots of an array with redundancy that no active member holds (none when nothing survived).</summary>
    private static List<int> MissingSlots(MdArray array)
    {
        var active = array.Members.Where(x => !x.Spare).ToList();
        var missing = array.RaidDevices - active.Count;
        if (missing <= 0 || active.Count == 0 || MdGeometry.Redundancy(array) == 0)
        {
            return [];
        }

        // Each missing member costs a copy of a disk: beyond a few, the capture is not of a degraded array that ran (a fuzzed
        // layout made one of 1,000 devices take minutes and gigabytes); such an array is recreated as it was, degraded.
        if (missing > MaxCompletedMembers)
        {
            return [];
        }

        return [.. Enumerable.Range(0, int.MaxValue).Where(s => !active.Any(x => x.Slot == s)).Take(missing)];
    }

    private const int MaxCompletedMembers = 16;

    /// <summary>
    /// The partition that fills one missing slot: on a copy made so far of a surviving member's disk that has no member of
    /// this array yet, else on a new copy of the first member disk (by slot). Null when no member is a partition.
    /// </summary>
    private static (Disk Disk, Partition Part)? CopyForSlot(LayoutCompletion completion, MdArray array)
    {
        var layout = completion.Layout;
        var survivors = array.Members.Where(x => !x.Spare).OrderBy(x => x.Slot ?? int.MaxValue)
            .SelectMany(x => layout.Disks.Where(d => !completion.AddedDisks.Any(a => a.Disk == d))
                .SelectMany(d => d.Partitions.Where(p => p.Id == x.DeviceId).Select(p => (Disk: d, Number: p.Number))))
            .ToList();
        foreach (var (disk, number) in survivors)
        {
            foreach (var added in completion.AddedDisks.Where(a => a.CopyOf == disk))
            {
                var part = added.Disk.Partitions.Single(p => p.Number == number);
                if (part.UsedBy is null && !added.Disk.Partitions.Any(p => array.Members.Any(x => x.DeviceId == p.Id)))
                {
                    return (added.Disk, part);
                }
            }
        }

        if (survivors.Count == 0)
        {
            return null;
        }

        var copy = completion.AddCopyOf(survivors[0].Disk);
        return (copy, copy.Partitions.Single(p => p.Number == survivors[0].Number));
    }
}
