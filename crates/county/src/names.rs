//! Word lists the generator draws from. They are generic: common given names and surnames of
//! the kind found in any English county, not anyone in particular, and street and place names
//! that belong to the fictional county of Northmere. Every list is a non-empty constant
//! array, so picking from one cannot fail.

/// Given names for women and girls: common English names alongside the South Asian, African,
/// Caribbean, Eastern European, Chinese, Turkish, Somali, Irish and Welsh names an English
/// county's schools and surgeries see every day.
#[rustfmt::skip]
pub(crate) const FEMALE_GIVEN: [&str; 100] = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
    "Grace", "Freya", "Willow", "Florence", "Emily", "Ella", "Poppy", "Evie", "Elsie", "Charlotte",
    "Evelyn", "Sienna", "Daisy", "Phoebe", "Sofia", "Alice", "Harper", "Matilda", "Ruby", "Emilia",
    "Maya", "Millie", "Isabelle", "Eliza", "Chloe", "Jessica", "Hannah", "Lucy", "Sophie", "Holly",
    "Megan", "Lauren", "Amy", "Rebecca", "Laura", "Emma", "Rachel", "Claire", "Joanna", "Tracey",
    "Joanne", "Michelle", "Donna", "Gemma", "Danielle", "Natalie", "Stacey", "Kayleigh", "Kirsty", "Jade",
    "Aisha", "Fatima", "Maryam", "Zainab", "Amira", "Hafsa", "Noor", "Priya", "Anjali", "Simran",
    "Harpreet", "Zara", "Layla", "Yasmin", "Sana", "Amara", "Chioma", "Ngozi", "Adaeze", "Abena",
    "Shanice", "Keisha", "Aaliyah", "Zofia", "Oliwia", "Natalia", "Agnieszka", "Ioana", "Elena", "Andreea",
    "Mei", "Xin", "Elif", "Hodan", "Sahra", "Niamh", "Siobhan", "Ffion", "Cerys", "Bethany",
];

/// Given names for men and boys, drawn as broadly as [`FEMALE_GIVEN`].
#[rustfmt::skip]
pub(crate) const MALE_GIVEN: [&str; 100] = [
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Harvey", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Arlo",
    "William", "Lucas", "Roman", "Tommy", "Isaac", "Teddy", "Alexander", "Luca", "Edward", "James",
    "Joshua", "Albie", "Elijah", "Max", "Mohammed", "Reuben", "Mason", "Sebastian", "Rory", "Jude",
    "Daniel", "Samuel", "Joseph", "Benjamin", "Ethan", "Dylan", "Callum", "Liam", "Ryan", "Connor",
    "Jamie", "Lewis", "Kieran", "Nathan", "Adam", "Matthew", "Christopher", "Andrew", "Darren", "Craig",
    "Wayne", "Stuart", "Gareth", "Ibrahim", "Yusuf", "Omar", "Hamza", "Bilal", "Zain", "Ayaan",
    "Arjun", "Rohan", "Aarav", "Harjit", "Sanjay", "Kwame", "Kofi", "Chidi", "Emeka", "Tunde",
    "Jerome", "Marcus", "Tyrone", "Andre", "Jakub", "Szymon", "Kacper", "Mateusz", "Andrei", "Bogdan",
    "Mihai", "Wei", "Hao", "Emre", "Mehmet", "Abdi", "Mahad", "Cian", "Rhys", "Dafydd",
];

/// Surnames, from the most common in England to those of families who settled more recently.
#[rustfmt::skip]
pub(crate) const SURNAMES: [&str; 100] = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "Barker", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Holmes", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "King", "Baker", "Harrison", "Morgan", "Allen", "Scott", "Phillips",
    "Watson", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Fletcher", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell",
    "Webb", "Lloyd", "Gray", "Rashid", "Hussain", "Iqbal", "Akhtar", "Kaur", "Sharma", "Mistry",
    "Okafor", "Adeyemi", "Mensah", "Owusu", "Campbell", "Francis", "Nowak", "Kowalski", "Popescu", "Ionescu",
    "Chen", "Wang", "Nguyen", "Yilmaz", "Demir", "Hassan", "Mohamed", "O'Brien", "O'Neill", "MacDonald",
];

/// The first word of a street name.
#[rustfmt::skip]
pub(crate) const STREET_STEMS: [&str; 40] = [
    "Alder", "Beech", "Birch", "Cedar", "Chestnut", "Elm", "Hawthorn", "Hazel", "Holly", "Juniper",
    "Larch", "Maple", "Oak", "Rowan", "Willow", "Yew", "Ash", "Poplar", "Sycamore", "Linden",
    "Meadow", "Mill", "Church", "Station", "Brook", "Orchard", "Quarry", "Kingfisher", "Heron", "Lark",
    "Wren", "Fenwick", "Marsh", "Ferry", "Harbour", "Bramble", "Foxglove", "Primrose", "Clover", "Thistle",
];

/// The second word of a street name.
#[rustfmt::skip]
pub(crate) const STREET_SUFFIXES: [&str; 10] = [
    "Road", "Street", "Close", "Lane", "Avenue", "Way", "Drive", "Crescent", "Gardens", "Grove",
];

/// Names of blocks of flats, for the share of families who live in one.
#[rustfmt::skip]
pub(crate) const BLOCKS: [&str; 8] = [
    "Court", "House", "Lodge", "Point", "Heights", "Mews", "Place", "Towers",
];
