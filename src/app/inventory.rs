//! `imagelint inventory`: every image reference found, whether or not a
//! rule fires.

use super::errors::{Error, Problems};
use super::settings::{Setup, Wants};
use super::tally::Tally;
use crate::cli::InventoryArgs;
use crate::engine::{self, FixMode, HandOver, Job, Piece};
use crate::render::{self, Format, RenderError, Subject};

pub(super) fn inventory(args: &InventoryArgs) -> Result<u8, Error> {
    let setup = Setup::new(&args.common, &Wants::every_reference())?;
    let format =
        Format::parse(&args.format, Subject::Inventory).ok_or_else(|| Error::UnknownFormat {
            name: args.format.clone(),
            known: Format::names(Subject::Inventory),
        })?;
    let roots = args
        .common
        .paths
        .iter()
        .map(|p| crate::discover::paths::display_path(p, &setup.cwd))
        .collect();
    let settings = render::Settings {
        color: false,
        quiet: 0,
        category: String::new(),
        roots,
    };
    let (reporters, mut writers) =
        render::open(vec![(format, None)], Subject::Inventory, &settings, false)?;
    let refs = reporters.as_refs();
    let job = Job {
        ctx: &setup.ctx,
        nested: &crate::engine::Nearer::default(),
        fix: FixMode::Off,
        reporters: &refs,
        hand_over: HandOver::Everything,
    };
    let (candidates, walk_errors) = setup.candidates(&args.common.paths, args.common.no_ignore);
    let mut tally = Tally::default();
    let mut problems = Problems::default();
    let mut write_error = None;
    engine::run(candidates, &job, setup.threads, |piece| match piece {
        Piece::Part(mut part) => {
            if let Err(e) = writers.write_file(&reporters, &part.rendered) {
                write_error.get_or_insert(e);
            }
            tally.add_part(&mut part);
        }
        Piece::End(end) => tally.add_end(&end, &mut problems),
    });
    if let Some(e) = write_error {
        return Err(RenderError::from(e).into());
    }
    writers.finish(&reporters, &tally.report(&setup.ctx.rules.rules))?;
    for e in &walk_errors {
        problems.report(e);
    }
    Ok(problems.exit_code(false))
}
