//! The example: labels, placeholder, required, a checkbox and a skipped field.

use serde::{Deserialize, Serialize};
use stormpath::{CustomData, InputType, ValueType};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(label = "Favorite color", placeholder = "e.g. blue", required)]
    favorite_color: String,
    #[stormpath(label = "Newsletter", input = "checkbox")]
    newsletter: bool,
    #[stormpath(skip)]
    plan: Option<String>,
}

fn main() {
    let fields = Profile::fields();
    assert_eq!(fields.len(), 3);

    let color = &fields[0];
    assert_eq!(color.name(), "favoriteColor");
    assert_eq!(color.serde_key(), "favorite_color");
    assert_eq!(color.label(), "Favorite color");
    assert_eq!(color.placeholder(), "e.g. blue");
    assert!(color.is_required());
    assert!(!color.is_optional());
    assert_eq!(color.value_type(), ValueType::Text);
    assert_eq!(color.input(), InputType::Text);
    assert!(color.is_visible() && color.on_form());

    let newsletter = &fields[1];
    assert_eq!(newsletter.name(), "newsletter");
    assert_eq!(newsletter.input(), InputType::Checkbox);
    assert_eq!(newsletter.value_type(), ValueType::Bool);
    assert!(!newsletter.is_required());
    assert_eq!(newsletter.placeholder(), "");

    let plan = &fields[2];
    assert_eq!(plan.name(), "plan");
    assert!(!plan.on_form() && !plan.is_visible());
    assert!(plan.is_optional());
}
