using System.Buffers.Binary;

namespace Mkcdrec.Formats.Partitioning;

/// <summary>One used GPT partition entry (UEFI spec §5.3.3).</summary>
public sealed class GptPartition
{
    public const int TypeGuidOffset = 0;
    public const int UniqueGuidOffset = 16;
    public const int FirstLbaOffset = 32;
    public const int LastLbaOffset = 40;
    public const int AttributesOffset = 48;
    public const int NameOffset = 56;
    public const int NameBytes = 72;

    /// <summary>Size of the fields defined by the spec (and the minimum entry size).</summary>
    public const int DefinedSize = 128;

    /// <summary>Maximum name length in UTF-16 code units.</summary>
    public const int MaxNameLength = NameBytes / 2;

    /// <summary>1-based slot index in the entry array (what Linux calls partition N).</summary>
    public int Number { get; set; }

    public Guid TypeGuid { get; set; }
    public Guid UniqueGuid { get; set; }
    public long FirstLba { get; set; }

    /// <summary>Inclusive last LBA.</summary>
    public long LastLba { get; set; }

    /// <summary>Attribute bits: 0 required, 1 no block-IO protocol, 2 legacy BIOS bootable, 48..63 type-specific.</summary>
    public ulong Attributes { get; set; }

    /// <summary>Name, up to 36 UTF-16 code units.</summary>
    public string Name { get; set; } = "";

    /// <summary>Bytes beyond offset 128 when the table's entry size is larger (kept for round trips).</summary>
    public byte[] ExtraBytes { get; set; } = [];

    public long SectorCount => LastLba - FirstLba + 1;

    public static bool IsUnused(ReadOnlySpan<byte> entry) => entry[..16].IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Parses one entry (of the table's entry size) for slot <paramref name="number"/>.</summary>
    public static GptPartition Read(ReadOnlySpan<byte> entry, int number)
    {
        if (entry.Length < DefinedSize)
        {
            throw new InvalidDataException($"GPT partition entry {number} is {entry.Length} bytes, at least {DefinedSize} expected");
        }

        var nameField = entry.Slice(NameOffset, NameBytes);
        var name = new char[MaxNameLength];
        int length = 0;
        while (length < MaxNameLength)
        {
            char c = (char)BinaryPrimitives.ReadUInt16LittleEndian(nameField[(length * 2)..]);
            if (c == '\0')
            {
                break;
            }

            name[length++] = c;
        }

        return new GptPartition
        {
            Number = number,
            TypeGuid = new Guid(entry.Slice(TypeGuidOffset, 16)),
            UniqueGuid = new Guid(entry.Slice(UniqueGuidOffset, 16)),
            FirstLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[FirstLbaOffset..]),
            LastLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[LastLbaOffset..]),
            Attributes = BinaryPrimitives.ReadUInt64LittleEndian(entry[AttributesOffset..]),
            Name = new string(name, 0, length),
            ExtraBytes = entry[DefinedSize..].ToArray(),
        };
    }

    /// <summary>Writes the entry into <paramref name="entry"/> (exactly the table's entry size).</summary>
    public void WriteTo(Span<byte> entry)
    {
        if (entry.Length < DefinedSize || ExtraBytes.Length > entry.Length - DefinedSize)
        {
            throw new InvalidOperationException($"GPT partition {Number}: entry of {entry.Length} bytes cannot hold {DefinedSize} + {ExtraBytes.Length} bytes");
        }

        if (Name.Length > MaxNameLength)
        {
            throw new InvalidOperationException($"GPT partition {Number}: name \"{Name}\" is {Name.Length} UTF-16 code units, at most {MaxNameLength} fit");
        }

        entry.Clear();
        TypeGuid.TryWriteBytes(entry.Slice(TypeGuidOffset, 16));
        UniqueGuid.TryWriteBytes(entry.Slice(UniqueGuidOffset, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(entry[FirstLbaOffset..], (ulong)FirstLba);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[LastLbaOffset..], (ulong)LastLba);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[AttributesOffset..], Attributes);
        for (int i = 0; i < Name.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(entry[(NameOffset + (i * 2))..], Name[i]);
        }

        ExtraBytes.CopyTo(entry[DefinedSize..]);
    }

    public GptPartition Clone()
    {
        var copy = (GptPartition)MemberwiseClone();
        copy.ExtraBytes = (byte[])ExtraBytes.Clone();
        return copy;
    }

    public override string ToString() => $"#{Number} {FirstLba}..{LastLba} type {TypeGuid} uuid {UniqueGuid} attrs 0x{Attributes:X} \"{Name}\"";
}
