namespace Mkcdrec.Formats.Elf;

/// <summary>EI_CLASS: the word size of the object.</summary>
public enum ElfClass : byte
{
    Elf32 = 1,
    Elf64 = 2,
}

/// <summary>EI_DATA: the byte order of the object.</summary>
public enum ElfData : byte
{
    LittleEndian = 1,
    BigEndian = 2,
}

/// <summary>e_type. Programs built as PIE are <see cref="Dyn"/>, like shared libraries.</summary>
public enum ElfType : ushort
{
    None = 0,
    Rel = 1,
    Exec = 2,
    Dyn = 3,
    Core = 4,
}

/// <summary>e_machine: the values mkcdrec cares about; any other value is kept as its number.</summary>
public enum ElfMachine : ushort
{
    None = 0,
    Sparc = 2,
    I386 = 3,
    M68k = 4,
    Mips = 8,
    PowerPC = 20,
    PowerPC64 = 21,
    S390 = 22,
    Arm = 40,
    SparcV9 = 43,
    IA64 = 50,
    X86_64 = 62,
    AArch64 = 183,
    RiscV = 243,
    LoongArch = 258,
}

/// <summary>Program header p_type values that the reader uses.</summary>
public static class ElfSegmentType
{
    public const uint Null = 0;
    public const uint Load = 1;
    public const uint Dynamic = 2;
    public const uint Interp = 3;
    public const uint Note = 4;
    public const uint Phdr = 6;
    public const uint GnuStack = 0x6474e551;
}

/// <summary>Dynamic section d_tag values that the reader uses.</summary>
public static class ElfDynamicTag
{
    public const long Null = 0;
    public const long Needed = 1;
    public const long StrTab = 5;
    public const long StrSz = 10;
    public const long SoName = 14;
    public const long RPath = 15;
    public const long RunPath = 29;
    public const long Flags1 = 0x6ffffffb;
}
