cylinder(5);
