using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Planning;

internal static partial class PartitionSizer
{
    /// <summary>
    /// Places the sized partitions in source order: each start aligned after the previous end plus its original gap;
    /// logical partitions inside their extended one, which ends after its last logical (or at the disk's end if it did).
    /// </summary>
    private sealed class PartitionPlacement(PartitionTableSpec spec, Disk source, string targetPath, bool gpt, long align, Shape shape, long targetEnd)
    {
        private readonly int _sectorSize = spec.SectorSize;
        private long _previousEnd;
        private long _extendedStart;
        private long _lastLogicalEnd;
        private PartitionSpec? _extended;
        private Unit? _extendedUnit;

        public void PlaceAll()
        {
            var units = shape.Units;
            for (var i = 0; i < units.Count; i++)
            {
                Place(units[i], first: i == 0);
            }

            CloseExtended(last: true);
        }

        private void Place(Unit u, bool first)
        {
            var p = u.Part;
            if (p.Kind != PartitionKinds.Logical && _extended is not null)
            {
                CloseExtended(last: false);
            }

            var start = first ? shape.FirstStartBytes
                : p.Kind == PartitionKinds.Logical ? StorageGraph.RoundUp((_lastLogicalEnd > 0 ? _lastLogicalEnd : _extendedStart) + u.GapBytes, align)
                : StorageGraph.RoundUp(_previousEnd + u.GapBytes, align);
            if (p.Kind == PartitionKinds.Extended)
            {
                _extended = SpecFor(p, start / _sectorSize, 0, gpt, targetPath);
                _extendedUnit = u;
                _extendedStart = start;
                _lastLogicalEnd = 0;
                spec.Partitions.Add(_extended);
                return;
            }

            var size = StorageGraph.RoundUp(u.NewBytes, _sectorSize);
            spec.Partitions.Add(SpecFor(p, start / _sectorSize, size / _sectorSize, gpt, targetPath));
            if (p.Kind == PartitionKinds.Logical)
            {
                _lastLogicalEnd = start + size;
            }
            else
            {
                _previousEnd = start + size;
            }
        }

        private void CloseExtended(bool last)
        {
            if (_extended is null)
            {
                return;
            }

            var end = _lastLogicalEnd > 0 ? _lastLogicalEnd : _extendedStart + _sectorSize;
            var originalEnd = (_extendedUnit!.Part.StartSector + _extendedUnit.Part.SizeSectors) * source.LogicalSectorSize;
            if (last && shape.SourceEndBytes - originalEnd < align)
            {
                end = targetEnd; // it reached the end of the disk: so does the new one
            }

            _extended.SizeSectors = (end - _extendedStart) / _sectorSize;
            _previousEnd = end;
            _extended = null;
        }
    }
}
