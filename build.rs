// Compiles the long double helpers used by store::numeric (INCRBYFLOAT).
fn main() {
    println!("cargo::rerun-if-changed=csrc/longdouble.c");
    cc::Build::new()
        .file("csrc/longdouble.c")
        .warnings(true)
        .compile("mblongdouble");
}
