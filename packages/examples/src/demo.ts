console.log("demo: coming");
