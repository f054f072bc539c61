// `embed_migrations!` (src/db.rs) reads the migration directories at compile time, but a proc macro
// cannot tell cargo which files it read: without this, a new migration directory is not embedded
// until something else in the crate changes (diesel_migrations' documentation, "Automatic rebuilds").
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
