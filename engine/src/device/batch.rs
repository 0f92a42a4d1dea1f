//! Rows as columns of numbers: what a device kernel reads and writes.

/// The numeric types a device column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumType {
    /// `f32`, OpenCL `float`.
    F32,
    /// `f64`, OpenCL `double`.
    F64,
    /// `i32`, OpenCL `int`.
    I32,
    /// `i64`, OpenCL `long`.
    I64,
    /// `u32`, OpenCL `uint`.
    U32,
    /// `u64`, OpenCL `ulong`.
    U64,
}

impl NumType {
    /// The type's name in OpenCL C.
    pub fn c_name(self) -> &'static str {
        match self {
            NumType::F32 => "float",
            NumType::F64 => "double",
            NumType::I32 => "int",
            NumType::I64 => "long",
            NumType::U32 => "uint",
            NumType::U64 => "ulong",
        }
    }
}

/// A Rust type a device column holds: `f32`, `f64`, `i32`, `i64`, `u32` or `u64` (sealed: a
/// kernel's buffers are of these types only).
pub trait Num:
    sealed::Sealed + Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static
{
    /// The column type that holds values of this type.
    const TYPE: NumType;
}

mod sealed {
    use super::Column;

    /// The accessors of a column of one type, private to the crate.
    pub trait Sealed: Sized {
        /// The column's values, if it holds this type.
        fn values(column: &Column) -> Option<&Vec<Self>>;
        /// The column's values, if it holds this type.
        fn values_mut(column: &mut Column) -> Option<&mut Vec<Self>>;
        /// A column of these values.
        fn wrap(values: Vec<Self>) -> Column;
    }
}

/// Implements [`Num`] for a type held by column variant `$variant`.
macro_rules! num {
    ($ty:ty, $variant:ident) => {
        impl sealed::Sealed for $ty {
            fn values(column: &Column) -> Option<&Vec<Self>> {
                match column {
                    Column::$variant(values) => Some(values),
                    _ => None,
                }
            }
            fn values_mut(column: &mut Column) -> Option<&mut Vec<Self>> {
                match column {
                    Column::$variant(values) => Some(values),
                    _ => None,
                }
            }
            fn wrap(values: Vec<Self>) -> Column {
                Column::$variant(values)
            }
        }
        impl Num for $ty {
            const TYPE: NumType = NumType::$variant;
        }
    };
}

num!(f32, F32);
num!(f64, F64);
num!(i32, I32);
num!(i64, I64);
num!(u32, U32);
num!(u64, U64);

/// One column of a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// A column of `f32`.
    F32(Vec<f32>),
    /// A column of `f64`.
    F64(Vec<f64>),
    /// A column of `i32`.
    I32(Vec<i32>),
    /// A column of `i64`.
    I64(Vec<i64>),
    /// A column of `u32`.
    U32(Vec<u32>),
    /// A column of `u64`.
    U64(Vec<u64>),
}

impl Column {
    /// A column of `len` zeros of type `ty`.
    fn zeroed(ty: NumType, len: usize) -> Column {
        match ty {
            NumType::F32 => Column::F32(vec![0.0; len]),
            NumType::F64 => Column::F64(vec![0.0; len]),
            NumType::I32 => Column::I32(vec![0; len]),
            NumType::I64 => Column::I64(vec![0; len]),
            NumType::U32 => Column::U32(vec![0; len]),
            NumType::U64 => Column::U64(vec![0; len]),
        }
    }

    /// The type of the column's values.
    pub fn num_type(&self) -> NumType {
        match self {
            Column::F32(_) => NumType::F32,
            Column::F64(_) => NumType::F64,
            Column::I32(_) => NumType::I32,
            Column::I64(_) => NumType::I64,
            Column::U32(_) => NumType::U32,
            Column::U64(_) => NumType::U64,
        }
    }

    /// How many values the column holds.
    pub fn len(&self) -> usize {
        match self {
            Column::F32(v) => v.len(),
            Column::F64(v) => v.len(),
            Column::I32(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::U32(v) => v.len(),
            Column::U64(v) => v.len(),
        }
    }

    /// Whether the column holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Rows as columns: what a kernel reads and writes. Every column holds one value per row.
///
/// A batch's rows are its first column's values: a batch without columns has no rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    columns: Vec<Column>,
}

impl Batch {
    /// A batch of no rows, with columns of `types`.
    pub fn new(types: &[NumType]) -> Batch {
        Batch::zeroed(types, 0)
    }

    /// A batch of `len` rows of zeros, with columns of `types`.
    pub fn zeroed(types: &[NumType], len: usize) -> Batch {
        let columns = types.iter().map(|&ty| Column::zeroed(ty, len)).collect();
        Batch { columns }
    }

    /// A batch of these columns.
    pub fn from_columns(columns: Vec<Column>) -> Batch {
        Batch { columns }
    }

    /// The batch's columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// How many rows the batch holds.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Whether the batch holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The types of the batch's columns.
    pub fn types(&self) -> Vec<NumType> {
        self.columns.iter().map(Column::num_type).collect()
    }

    /// Appends `value` to column `column`.
    ///
    /// # Panics
    ///
    /// If there is no column `column`, or it does not hold `T`s: a bug of the generated code
    /// that gathers rows, not something a user can cause.
    pub fn push<T: Num>(&mut self, column: usize, value: T) {
        self.values_mut::<T>(column).push(value);
    }

    /// The value of row `row` in column `column`.
    ///
    /// # Panics
    ///
    /// If there is no such column or row, or the column does not hold `T`s.
    pub fn get<T: Num>(&self, column: usize, row: usize) -> T {
        let values = self.column::<T>(column);
        match values.get(row) {
            Some(&value) => value,
            None => panic!(
                "device batch: no row {row} in column {column} of {} rows",
                values.len()
            ),
        }
    }

    /// Sets the value of row `row` in column `column`.
    ///
    /// # Panics
    ///
    /// If there is no such column or row, or the column does not hold `T`s.
    pub fn set<T: Num>(&mut self, column: usize, row: usize, value: T) {
        let values = self.values_mut::<T>(column);
        let len = values.len();
        match values.get_mut(row) {
            Some(slot) => *slot = value,
            None => panic!("device batch: no row {row} in column {column} of {len} rows"),
        }
    }

    /// The values of column `column`.
    ///
    /// # Panics
    ///
    /// If there is no column `column`, or it does not hold `T`s.
    pub fn column<T: Num>(&self, column: usize) -> &[T] {
        let found = self.columns.get(column).map(Column::num_type);
        match self.columns.get(column).and_then(T::values) {
            Some(values) => values,
            None => panic!("{}", misuse(column, self.columns.len(), T::TYPE, found)),
        }
    }

    fn values_mut<T: Num>(&mut self, column: usize) -> &mut Vec<T> {
        let (count, found) = (
            self.columns.len(),
            self.columns.get(column).map(Column::num_type),
        );
        match self.columns.get_mut(column).and_then(T::values_mut) {
            Some(values) => values,
            None => panic!("{}", misuse(column, count, T::TYPE, found)),
        }
    }
}

/// Why column `column` of a batch of `count` columns, of type `found`, cannot hold `wanted`s.
fn misuse(column: usize, count: usize, wanted: NumType, found: Option<NumType>) -> String {
    match found {
        None => format!("device batch: no column {column} (the batch has {count})"),
        Some(found) => format!("device batch: column {column} holds {found:?}, not {wanted:?}"),
    }
}
